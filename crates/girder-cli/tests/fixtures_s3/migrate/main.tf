resource "random_string" "s" {
  length = 3
}

resource "random_id" "i" {
  byte_length = 3
}
