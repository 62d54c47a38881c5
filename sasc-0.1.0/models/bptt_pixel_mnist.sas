# Standard BPTT, pixel by pixel: the deterministic baseline of
# models/gbptt_pixel_mnist.sas. Every pi and Xi is frozen at 0, so each
# connection is a plain weight w = m and gBPTT reduces to BPTT (paper Sec. II).

prior weight {
  pi = 0 frozen
  Xi = 0 frozen
}

model bptt_pixel {
  input x[1]
  layer h = recurrent(x, 100) {
    steps = 784  alpha = 0.1
    prior = weight  m = identity
    in_prior = weight  in_m = normal(0, 0.1)
  }
  layer y = readout(h, 10) {
    activation = softmax  at = last
    prior = weight  m = normal(0, 0.1)
  }
  loss cross_entropy(y)
  l2 { m = 1e-4 }
}

task train {
  data = "/usr/share/datasets/fashion-mnist"
  optimizer = adam  lr = 0.001
  batch = 100  epochs = 10  seed = 1
}
