output "vpc_id" {
  description = "The VPC"
  value       = module.vpc.vpc_id
}

output "private_subnets" {
  description = "Private subnet IDs"
  value       = module.vpc.private_subnets
}

output "eks_cluster_endpoint" {
  description = "The Kubernetes API endpoint"
  value       = module.eks.cluster_endpoint
}

output "db_endpoint" {
  description = "PostgreSQL endpoint"
  value       = module.rds.db_instance_endpoint
}

output "redis_endpoint" {
  description = "Redis primary endpoint"
  value       = aws_elasticache_replication_group.main.primary_endpoint_address
}

output "files_bucket" {
  description = "The bucket for file storage"
  value       = aws_s3_bucket.main.bucket
}
