# The MSI task of models/msi.sas with 30 times the paper's input noise:
# sigma_in = 0.3 instead of 0.01, everything else the same (papers/gbptt-*,
# Fig. 10: N = 150, tau = 100 ms, dt = 20 ms, sigma = 0.15, x0 = 0.2, l2 1e-3,
# Adam lr 0.001, 40 epochs of 4,800 trials).
#
# Why: at sigma_in = 0.01 the input noise per step, sqrt(2 sigma_in^2 / alpha)
# = 0.03, averages out over the 50 stimulus steps of a test trial, and the
# network is right on about 99% of all trials, so the psychometric curves of
# the three modalities nearly coincide. The noise on the four inputs is
# independent, so a multisensory trial carries two independent noisy copies
# of the rate: at sigma_in = 0.3 (0.95 per step) an ideal observer of the
# stimulus period is right at 12 events/s on 77% of unisensory and 86% of
# multisensory trials, and the multisensory advantage of gbptt Fig. 11 shows
# near the boundary (docs/reproductions.md). The paper does not say how its
# inputs make the task hard; this is a documented choice, not its setting.

# The trials are those of models/msi.sas (the same declaration).

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

model msi_noisy {
  input x[4]                          # visual +/-, auditory +/- per step
  layer h = recurrent(x, 150) {
    steps = 80  test_steps = 90
    dt = 20  tau = 100
    sigma = 0.15  sigma_in = 0.3  x0 = 0.2
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
