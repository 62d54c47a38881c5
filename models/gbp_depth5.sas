# gBP with five layers of units (784-100-100-100-10): the network of the
# inset of gbp Fig. 2b (sparsity per connection against layer) and of Fig. 3c
# (entropy per connection against layer), for several training-set sizes.
#
# The recipe is models/gbp_mnist.sas with one more hidden layer: pi = 0,
# m ~ N(0, 2/784), Xi ~ U(0, 0.01); Adam lr 0.1, decoupled weight decay
# 1e-4, batch 500, 10^4 training images, 100 epochs. The figures sweep the
# training-set size:
#
#   sasc run models/gbp_depth5.sas --out runs/gbp5
#   sasc analyze runs/gbp5 train_size --set train_sizes=1000,2000,5000,10000

prior sas {
  pi = 0
  m  = normal(0, sqrt(2/784))
  Xi = uniform(0, 0.01)
}

model gbp5 {
  input x[784]
  layer h1 = dense(x, 100)  { activation = relu     prior = sas }
  layer h2 = dense(h1, 100) { activation = relu     prior = sas }
  layer h3 = dense(h2, 100) { activation = relu     prior = sas }
  layer y  = dense(h3, 10)  { activation = softmax  prior = sas }
  loss cross_entropy(y)
}

task train {
  data = "/usr/share/datasets/fashion-mnist"
  train = 10000   test = 10000
  optimizer = adam  lr = 0.1  weight_decay = 1e-4
  batch = 500  epochs = 100  seed = 1
  analyze_every = 10
}
