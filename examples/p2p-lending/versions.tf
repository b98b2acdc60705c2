terraform {
  required_version = ">= 1.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }

  # Production keeps state in S3 with a DynamoDB lock table (Terraform's layout, which girder
  # reads, writes and locks the same way):
  #
  # backend "s3" {
  #   bucket         = "p2p-lending-terraform-state"
  #   key            = "infrastructure/terraform.tfstate"
  #   region         = "ap-southeast-1"
  #   dynamodb_table = "p2p-lending-terraform-locks"
  #   encrypt        = true
  # }
  #
  # The demo uses the local backend (terraform.tfstate in this directory).
}

provider "aws" {
  region = var.aws_region

  # The demo runs against a local AWS emulator: examples/demo.sh sets AWS_ENDPOINT_URL and
  # dummy credentials. Against real AWS these three lines can go.
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_requesting_account_id  = true

  default_tags {
    tags = {
      Project     = "p2p-lending"
      Environment = var.environment
      ManagedBy   = "girder"
    }
  }
}
