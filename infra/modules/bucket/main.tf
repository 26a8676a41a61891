# A private MinIO (S3) bucket, versioned so an overwritten object can be recovered.

variable "name" {
  description = "Bucket name."
  type        = string
}

variable "force_destroy" {
  description = "Destroy the bucket even when it holds objects (their data is lost)."
  type        = bool
  default     = false
}

resource "minio_s3_bucket" "this" {
  bucket        = var.name
  acl           = "private"
  force_destroy = var.force_destroy
}

resource "minio_s3_bucket_versioning" "this" {
  bucket = minio_s3_bucket.this.bucket

  versioning_configuration {
    status = "Enabled"
  }
}

output "name" {
  description = "The bucket's name."
  value       = minio_s3_bucket.this.bucket
}
