# Quick start: a small spike-and-slab network that trains in seconds.
#
#   sasc run examples/quickstart.sas
#
# 784 inputs (28 x 28 pixels), 64 rectified hidden units, 10 softmax outputs.
# Every connection is a spike-and-slab distribution: pi (probability that the
# weight is exactly zero), m (slab mean) and Xi (slab variance) are all
# learned. After 3 epochs on 10,000 images the test accuracy is about 0.8
# (0.80 with seed 1; each epoch takes well under a second).

prior sas {
  pi = 0                          # start dense
  m  = normal(0, 1)               # times 1/sqrt(fan in): weights of scale 1/sqrt(784)
  Xi = uniform(0, 0.01)           # a little slab variance to learn from
}

model quick {
  input x[784]
  layer h = dense(x, 64) { activation = relu     prior = sas }
  layer y = dense(h, 10) { activation = softmax  prior = sas }
  loss cross_entropy(y)
}

task train {
  train = 10000  test = 2000      # a subset of Fashion-MNIST (the default data)
  optimizer = adam  lr = 0.01
  batch = 100  epochs = 3  seed = 1
}
