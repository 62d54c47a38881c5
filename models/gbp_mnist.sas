# gBP on Fashion-MNIST: the reference recipe of Li & Huang (papers/gbp-*).
#
# Network. A 784-100-100-10 feedforward spike-and-slab ensemble: every
# connection w follows P(w) = pi delta(w) + (1 - pi) N(w | m, Xi). Hidden
# units are rectified; the output is a softmax over the ten classes. Each
# layer scales its pre-activation by 1/sqrt(N_in) (the default `scale`).
#
# Initialisation. All connections start dense (pi = 0), with means drawn from
# N(0, 2/784) and slab variances Xi from U(0, 0.01); pi, m and Xi are all
# learned.
#
# Training. Cross-entropy on the softmax output; Adam (beta 0.9 / 0.999,
# eps 1e-8, the defaults) with learning rate 0.1 and decoupled weight decay
# 1e-4; mini-batches of 500; the first 10^4 training images for 100 epochs;
# evaluated on the 10^4 test images.

prior sas {
  pi = 0                          # initial spike probability
  m  = normal(0, sqrt(2/784))     # slab means
  Xi = uniform(0, 0.01)           # slab variances
}

model gbp {
  input x[784]
  layer h1 = dense(x, 100)  { activation = relu     prior = sas }
  layer h2 = dense(h1, 100) { activation = relu     prior = sas }
  layer y  = dense(h2, 10)  { activation = softmax  prior = sas }
  loss cross_entropy(y)
}

task train {
  model = gbp
  data = "/usr/share/datasets/fashion-mnist"
  train = 10000   test = 10000
  optimizer = adam  lr = 0.1  weight_decay = 1e-4
  batch = 500  epochs = 100  seed = 1
  # Analyses (docs/analyses.md): every 5 epochs sparsity, entropy, VIP/UIP
  # fractions and 10 sampled networks (analysis.csv); after training the
  # distributions of pi, m, Xi and the entropy per layer (gbp Figs. 2-3).
  # `sasc analyze RUN_DIR perturbation` adds gbp Fig. 4a.
  analyze_every = 5
  analyze = "histograms,entropy"
}
