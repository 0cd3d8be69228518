# Alert state: one small JSON object per alert key, written with generation
# preconditions by the GCS state store. Versioning keeps recent history.
resource "google_storage_bucket" "state" {
  project                     = var.project_id
  name                        = "${var.project_id}-${var.name_prefix}-state"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  labels                      = local.labels

  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      days_since_noncurrent_time = var.state_history_days
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.apis]
}

# Function source archives. The object name carries the archive's MD5, so a new
# build is a new object and every function is redeployed from it; replaced
# archives become noncurrent and expire.
resource "google_storage_bucket" "source" {
  project                     = var.project_id
  name                        = "${var.project_id}-${var.name_prefix}-source"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  labels                      = local.labels

  versioning {
    enabled = true
  }

  lifecycle_rule {
    condition {
      days_since_noncurrent_time = var.source_retention_days
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.apis]
}

resource "google_storage_bucket_object" "source" {
  name   = "function-source-${filemd5(local.source_archive)}.zip"
  bucket = google_storage_bucket.source.name
  source = local.source_archive
}
