# Perceptual decision making with a delay (the random-dot motion task of the
# cognitive-neuroscience RNN literature: Shadlen & Newsome 2001; Wong & Wang
# 2006; Song, Yang & Wang 2016, "dm with delay"): a recurrent SaS ensemble
# sees two noisy evidence channels whose difference is the motion coherence,
# must hold its decision through a delay of random length, and reports the
# direction when the fixation cue goes off.
#
# Trials: fixation 100 ms, stimulus 200..600 ms, delay 200..600 ms (both drawn
# per trial), response until the end (at least 300 ms): 80 steps of
# dt = 20 ms, the response period taking what the drawn periods leave.
# Inputs: the fixation cue (1 until the response), and two channels of mean
# 1 +/- coherence with noise of sd 0.3 at every step, during the stimulus
# only. Targets 0.2 on both outputs until the response, then 1.0 on the
# chosen direction's output; the stimulus period is masked out of the loss
# (the network may lean either way while it integrates). The choice is the
# larger output at the last step; test trials cycle through the 8 (coherence,
# direction) pairs.

trials dm {
  dt = 20
  coherence = one_of(0.05, 0.1, 0.2, 0.4)
  direction = one_of(left, right)
  label = direction == right                  # 0: left (output 0), 1: right (output 1)
  loss = [fixation, delay, response]
  period fixation {
    duration = 100
    input = [1, 0, 0]
    target = [0.2, 0.2]
  }
  period stimulus {
    duration = uniform(200, 600)
    input = [1, 1 + (1 - 2 * (direction == right)) * coherence + normal(0, 0.3),
             1 - (1 - 2 * (direction == right)) * coherence + normal(0, 0.3)]
    target = [0.2, 0.2]
  }
  period delay {
    duration = uniform(200, 600)
    input = [1, 0, 0]
    target = [0.2, 0.2]
  }
  period response {
    duration = 300
    target = [0.2 + 0.8 * (direction == left), 0.2 + 0.8 * (direction == right)]
  }
}

model dm {
  input x[3]                          # fixation cue, evidence for left, evidence for right
  layer h = recurrent(x, 100) {
    steps = 80
    dt = 20  tau = 100
    sigma = 0.05  sigma_in = 0.01
    pi = 0  m = normal(0, 1/sqrt(100))  Xi = uniform(0, 0.01)
    in_pi = 0  in_m = normal(0, 0.5)  in_Xi = uniform(0, 0.01)
  }
  layer y = readout(h, 2) {
    at = every
    pi = 0  m = normal(0, 0.1)  Xi = uniform(0, 0.01)
  }
  loss mse(y)
  l2 { m = 1e-4  Xi = 1e-4 }
}

task train {
  data = trials(dm)
  train = 4000  test = 800            # test: 100 per (coherence, direction)
  optimizer = adam  lr = 0.003
  batch = 100  epochs = 20  seed = 1
}
