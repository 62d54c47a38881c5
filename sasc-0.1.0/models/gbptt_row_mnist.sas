# gBPTT, row by row: a recurrent SaS ensemble reads a Fashion-MNIST image one
# row per step (T = 28 steps of 28 pixels) and reports the class after the
# last row (papers/gbptt-*, the quick variant of the pixel-by-pixel task).
#
# Network (gBPTT Eqs. 1-5): N = 100 rectified units, leak alpha = 0.1, no
# noise, no input baseline. Input weights are deterministic (pi_in and Xi_in
# frozen at 0); the recurrent matrix starts at the identity with slab
# variances Xi ~ U(0, 0.01); the readout is a SaS group too. The loss is the
# cross-entropy of the softmax readout at the last step, with l2 1e-4 on m
# and Xi; Adam with lr 0.001 (the reference recipe of the pixel task).

model gbptt_row {
  input x[28]                         # pixels per step
  layer h = recurrent(x, 100) {
    steps = 28  alpha = 0.1
    pi = 0  m = identity  Xi = uniform(0, 0.01)         # recurrent group
    in_pi = 0 frozen  in_m = normal(0, 0.1)  in_Xi = 0 frozen  # input group
  }
  layer y = readout(h, 10) {
    activation = softmax  at = last
    pi = 0  m = normal(0, 0.1)  Xi = uniform(0, 0.01)
  }
  loss cross_entropy(y)
  l2 { m = 1e-4  Xi = 1e-4 }
}

task train {
  data = "/usr/share/datasets/fashion-mnist"
  optimizer = adam  lr = 0.001
  batch = 100  epochs = 5  seed = 1
}
