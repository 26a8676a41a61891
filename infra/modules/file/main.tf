# One object in a bucket, its content given as a string.

variable "bucket" {
  description = "Bucket name."
  type        = string
}

variable "key" {
  description = "Object key."
  type        = string
}

variable "content" {
  description = "Object content."
  type        = string
}

variable "content_type" {
  description = "MIME type of the content."
  type        = string
  default     = "application/json"
}

resource "minio_s3_object" "this" {
  bucket_name  = var.bucket
  object_name  = var.key
  content      = var.content
  content_type = var.content_type
}

output "key" {
  description = "The object's key."
  value       = minio_s3_object.this.object_name
}
