# A "folder" in a bucket: S3 has only keys, so a small marker object makes the prefix
# visible in consoles. (SpawnIt ignores it: it reads only keys it wrote.)

variable "bucket" {
  description = "Bucket name."
  type        = string
}

variable "path" {
  description = "Folder path inside the bucket, without a trailing slash (e.g. \"clients\")."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$", var.path))
    error_message = "path must be a relative path without a trailing slash."
  }
}

resource "minio_s3_object" "marker" {
  bucket_name  = var.bucket
  object_name  = "${var.path}/.keep"
  content      = "folder kept by OpenTofu (infra/configs)\n"
  content_type = "text/plain"
}

output "path" {
  description = "The folder's prefix, with its trailing slash."
  value       = "${var.path}/"
}
