# gBPTT row by row with the authors' own recipe: their code for the task,
# "Results/MNIST digit classification/BPTT-SAS-28by28.py" of
# ZouWenXuan/Spike-and-Slab-RNN (models/gbptt_row_mnist.sas follows the
# pixel-by-pixel recipe of the paper's Fig. 3 instead).
#
# Network: N = 100 rectified units reading one row of 28 pixels per step
# (T = 28), tau = 10 (alpha = 0.1), h0 = 0.1, no noise, no baseline. All
# three groups are SaS and trainable: pi = 0; Xi ~ U(0, 0.1); the input and
# readout means N(0, 1) sqrt(n_in / n_rec) = N(0, 0.529^2), the recurrent
# mean the identity. Softmax readout at the last step, cross-entropy.
# Training: Adam (lr 0.001, betas 0.9 / 0.999, eps 1e-8), decoupled weight
# decay 1e-4 (theirs spares pi: a difference of lr 1e-4 pi per step),
# mini-batches of 128, the learning rate halved every 40 epochs, and every
# gradient matrix clipped to spectral norm <= 10 after the batch mean and
# before Adam (clip_spectral; runtime/train/clipping.h). An epoch of theirs
# is 200 mini-batches of a fresh shuffle of all 60,000 images; train = 25600
# gives the same 200 steps per epoch, on the first 25,600 images.
# Their test pass keeps the eps noise; sasc's mean-field test has none.

model gbptt_row_authors {
  input x[28]                                           # pixels per step
  layer h = recurrent(x, 100) {
    steps = 28  alpha = 0.1  h0 = 0.1
    pi = 0  m = identity  Xi = uniform(0, 0.1)                     # recurrent group
    in_pi = 0  in_m = normal(0, 0.5291502622129181)  in_Xi = uniform(0, 0.1)  # input group
  }
  layer y = readout(h, 10) {
    activation = softmax  at = last
    pi = 0  m = normal(0, 0.5291502622129181)  Xi = uniform(0, 0.1)
  }
  loss cross_entropy(y)
}

task train {
  data = "/usr/share/datasets/fashion-mnist"
  optimizer = adam  lr = 0.001  beta1 = 0.9  beta2 = 0.999  epsilon = 1e-8
  weight_decay = 1e-4  halve_every = 40
  clip_spectral = 10
  batch = 128  train = 25600  test = 10000  epochs = 3  seed = 1
}
