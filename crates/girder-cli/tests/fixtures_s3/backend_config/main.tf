terraform {
  backend "s3" {
    key = "env/terraform.tfstate"
  }
}

resource "random_uuid" "u" {}
