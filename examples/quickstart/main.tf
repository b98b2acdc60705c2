# A quickstart that needs no cloud account: girder's built-in random and terraform providers.
#   girder init && girder plan -out=plan.bin && girder apply plan.bin && girder output

variable "env" {
  type    = string
  default = "dev"
}

resource "random_pet" "server" {
  length = 2
  prefix = var.env
}

resource "random_password" "db" {
  length  = 16
  special = false
}

resource "terraform_data" "release" {
  input            = "${random_pet.server.id}-release"
  triggers_replace = [var.env]
}

output "server_name" {
  value = random_pet.server.id
}

output "db_password" {
  value     = random_password.db.result
  sensitive = true
}

output "release" {
  value = terraform_data.release.output
}
