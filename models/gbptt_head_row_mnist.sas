# gBPTT with a dense head, row by row: the recurrent SaS ensemble of
# models/gbptt_row_mnist.sas reads a Fashion-MNIST image one row per step
# (T = 28 steps of 28 pixels); after the last row a dense SaS layer reads the
# recurrent rates r(T) and a softmax dense layer gives the class.
#
# Network: the recurrent layer is gbptt_row_mnist's (N = 100 rectified units,
# leak alpha = 0.1, deterministic input weights, recurrent matrix from the
# identity with Xi ~ U(0, 0.01)). `at = last` makes the first dense layer
# read only the last step of the sequence (without it, a dense layer reading
# a sequence is applied at every step); it has 64 rectified units, the
# output 10 softmax units, both SaS groups scaled by 1/sqrt(fan_in) (gBP
# Eqs. 2-3) from pi = 0, m ~ N(0, 1) (effective 1/sqrt(fan_in)) and
# Xi ~ U(0, 0.01). Loss: the cross-entropy of the softmax output, l2 1e-4 on
# m and Xi; Adam with lr 0.001 (gbptt_row_mnist's recipe).

prior sas {
  pi = 0
  m  = normal(0, 1)               # times 1/sqrt(fan in)
  Xi = uniform(0, 0.01)
}

model gbptt_head_row {
  input x[28]                         # pixels per step
  layer h = recurrent(x, 100) {
    steps = 28  alpha = 0.1
    pi = 0  m = identity  Xi = uniform(0, 0.01)         # recurrent group
    in_pi = 0 frozen  in_m = normal(0, 0.1)  in_Xi = 0 frozen  # input group
  }
  layer d = dense(h, 64) { at = last  activation = relu  prior = sas }
  layer y = dense(d, 10) { activation = softmax  prior = sas }
  loss cross_entropy(y)
  l2 { m = 1e-4  Xi = 1e-4 }
}

task train {
  data = "/usr/share/datasets/fashion-mnist"
  optimizer = adam  lr = 0.001
  batch = 100  epochs = 5  seed = 1
}
