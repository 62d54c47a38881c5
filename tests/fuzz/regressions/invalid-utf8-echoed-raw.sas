model m {
  input x[4] Ã( é
  layer y = dense(x, 3) { activation = softmax }
  loss cross_entropy(y)
}
