# The multisensory integration task of papers/gbptt-* (Sec. III B, Figs. 10-11):
# a recurrent SaS ensemble hears and/or sees events at a rate of 9..16 per
# second and must report, after a delay, whether the rate was above 12.5.
#
# Trials (the declaration below, data = trials(msi)): fixation, stimulus and
# decision periods of 300/900/400 ms for training (80 steps of dt = 20 ms)
# and 500/1000/300 ms for testing (90 steps); four inputs (visual and
# auditory, each positively and negatively tuned) during the stimulus period
# for the trial's modalities; targets 0.2/1.0 on the two outputs, the
# stimulus period masked out of the loss; the choice is the larger output at
# the last step. tests/test_trials.c checks that these trials are, bit for
# bit, those of the reference generator runtime/data/msi.c.
#
# Network: N = 150 rectified units, tau = 100 ms, dt = 20 ms (alpha = 0.2),
# recurrent noise sigma = 0.15, input noise sigma_in = 0.01, baseline
# x0 = 0.2. Input weights are deterministic, and a third of the units receive
# only the visual pair, a third only the auditory pair, a third no input:
# msi_input_mask.npy (4 x 150) removes the other connections (pi = 1 frozen).
# Mean squared error at every step, l2 1e-3 on m and Xi, Adam with lr 0.001.

trials msi {
  dt = 20                                       # ms per step
  rate = one_of(9, 10, 11, 12, 13, 14, 15, 16)  # events per second
  modality = one_of(visual, auditory, multisensory)
  label = rate < 12.5                           # 0: high (output 0), 1: low (output 1)
  loss = [fixation, decision]                   # the stimulus period is masked out
  period fixation {
    duration = 300  test_duration = 500
    target = [0.2, 0.2]
  }
  period stimulus {
    duration = 900  test_duration = 1000
    input = [(modality != auditory) * (rate - 9) / 7, (modality != auditory) * (16 - rate) / 7,
             (modality != visual) * (rate - 9) / 7, (modality != visual) * (16 - rate) / 7]
    target = [0.2, 0.2]
  }
  period decision {
    duration = 400  test_duration = 300
    target = [0.2 + 0.8 * (rate > 12.5), 0.2 + 0.8 * (rate < 12.5)]
  }
}

model msi {
  input x[4]                          # visual +/-, auditory +/- per step
  layer h = recurrent(x, 150) {
    steps = 80  test_steps = 90
    dt = 20  tau = 100
    sigma = 0.15  sigma_in = 0.01  x0 = 0.2
    pi = 0  m = normal(0, 1/sqrt(150))  Xi = uniform(0, 0.01)
    in_pi = 0 frozen  in_m = normal(0, 0.5)  in_Xi = 0 frozen
    in_mask = npy("msi_input_mask.npy")
  }
  layer y = readout(h, 2) {
    at = every
    pi = 0  m = normal(0, 0.1)  Xi = uniform(0, 0.01)
  }
  loss mse(y)
  l2 { m = 1e-3  Xi = 1e-3 }
}

task train {
  data = trials(msi)
  train = 4800  test = 2400           # trials per epoch; test: 100 per (modality, rate)
  optimizer = adam  lr = 0.001
  batch = 100  epochs = 40  seed = 1
}
