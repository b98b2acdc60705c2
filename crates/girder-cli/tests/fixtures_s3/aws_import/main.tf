# girder import of an AWS object goes through the aws provider configured from this block.
provider "aws" {
  region                      = "us-east-1"
  access_key                  = "AKIAGIRDERTEST000000"
  secret_key                  = "girder-test-secret"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  s3_use_path_style           = true

  endpoints {
    s3  = "@ENDPOINT@"
    sts = "@ENDPOINT@"
  }
}

resource "aws_s3_bucket" "b" {
  bucket = "@BUCKET@"
}
