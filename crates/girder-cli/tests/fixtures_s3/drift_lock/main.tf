terraform {
  backend "s3" {
    bucket                      = "@BUCKET@"
    key                         = "env/terraform.tfstate"
    region                      = "us-east-1"
    dynamodb_table              = "@TABLE@"
    use_path_style              = true
    skip_credentials_validation = true
    endpoints = {
      s3       = "@ENDPOINT@"
      dynamodb = "@ENDPOINT@"
    }
  }
}

resource "random_pet" "server" {
  length = 2
}
