# gBPTT with two stacked recurrent layers, row by row: a recurrent SaS
# ensemble reads a Fashion-MNIST image one row per step (T = 28 steps of 28
# pixels), a second recurrent layer reads the first one's rates at every
# step, and the class is read out after the last row (papers/gbptt-*, the
# network of models/gbptt_row_mnist.sas with a second layer on top).
#
# Network (gBPTT Eqs. 1-5, for each layer): N = 100 rectified units per
# layer, no noise, no input baseline. Layer h1 is gbptt_row_mnist's recurrent
# layer (leak alpha = 0.1, deterministic input weights, recurrent matrix from
# the identity with Xi ~ U(0, 0.01)). Layer h2 has its own leak alpha = 0.2
# and reads r1(t+1) = relu(h1(t+1)) through a SaS input group of its own
# (pi = 0, m ~ N(0, 0.1), Xi ~ U(0, 0.01)); its recurrent matrix starts like
# h1's. Both layers run on one time axis: `steps` is given once (h2 takes it
# from h1). The readout is a SaS group read at the last step. The loss is the
# cross-entropy of the softmax readout, with l2 1e-4 on m and Xi; Adam with
# lr 0.001 (gbptt_row_mnist's recipe). Its reverse sweep, like every model's,
# is derived by the compiler's autodiff through the time loop.

model gbptt_stacked_row {
  input x[28]                         # pixels per step
  layer h1 = recurrent(x, 100) {
    steps = 28  alpha = 0.1
    pi = 0  m = identity  Xi = uniform(0, 0.01)         # recurrent group
    in_pi = 0 frozen  in_m = normal(0, 0.1)  in_Xi = 0 frozen  # input group
  }
  layer h2 = recurrent(h1, 100) {
    alpha = 0.2
    pi = 0  m = identity  Xi = uniform(0, 0.01)
    in_pi = 0  in_m = normal(0, 0.1)  in_Xi = uniform(0, 0.01)  # reads h1's rates
  }
  layer y = readout(h2, 10) {
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
