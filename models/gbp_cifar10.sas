# gBP on CIFAR-10 (the gbp paper applies the method to CIFAR-10): a
# spike-and-slab ensemble MLP on the 3x32x32 colour images, flattened.
#
#   sasc run models/gbp_cifar10.sas --set data=/path/to/cifar-10-batches-bin
#
# data names the standard binary CIFAR-10 directory, used unchanged
# (data_batch_1.bin .. data_batch_5.bin, test_batch.bin); pixels are scaled
# by / 255 (input_scaling = auto). The data set is not shipped with sasc.

prior sas {
  pi = 0
  m  = normal(0, 1)               # times 1/sqrt(fan in)
  Xi = uniform(0, 0.01)
}

model cifar {
  input x[3072]                   # 3 channels x 32 x 32, as stored
  layer h1 = dense(x, 256)  { activation = relu     prior = sas }
  layer h2 = dense(h1, 128) { activation = relu     prior = sas }
  layer y  = dense(h2, 10)  { activation = softmax  prior = sas }
  loss cross_entropy(y)
}

task train {
  data = "cifar-10-batches-bin"
  optimizer = adam  lr = 0.001
  batch = 100  epochs = 20  seed = 1
}
