region                      = "us-east-1"
dynamodb_table              = "@TABLE@"
use_path_style              = true
skip_credentials_validation = true
endpoints = {
  s3       = "@ENDPOINT@"
  dynamodb = "@ENDPOINT@"
}
