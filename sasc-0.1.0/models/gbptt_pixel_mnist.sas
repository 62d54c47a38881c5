# gBPTT, pixel by pixel: the reference recipe of papers/gbptt-* (Sec. III A).
# A recurrent SaS ensemble of N = 100 rectified units reads a (Fashion-)MNIST
# image one pixel per step in scan-line order (T = 784) and reports the class
# after the last pixel.
#
# Network: leak alpha = 0.1, no noise, no input baseline (x0 = 0). The input
# weights are deterministic (pi_in = Xi_in = 0, frozen); the recurrent means
# start at the identity; every slab variance starts at Xi ~ U(0, 0.01).
# Cross-entropy on the softmax readout at the last step, l2 1e-4, Adam with
# lr 0.001.

model gbptt_pixel {
  input x[1]                          # one pixel per step
  layer h = recurrent(x, 100) {
    steps = 784  alpha = 0.1
    pi = 0  m = identity  Xi = uniform(0, 0.01)
    in_pi = 0 frozen  in_m = normal(0, 0.1)  in_Xi = 0 frozen
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
  batch = 100  epochs = 10  seed = 1
}
