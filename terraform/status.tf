# The optional public status page (var.status_page): its own bucket, readable by
# everyone, and nothing else public. The state bucket stays private
# (public_access_prevention enforced): alert state holds node names and runbooks.
resource "google_storage_bucket" "status" {
  count = var.status_page == null ? 0 : 1

  project                     = var.project_id
  name                        = var.status_page.bucket
  location                    = coalesce(var.status_page.location, var.region)
  uniform_bucket_level_access = true
  # Inherited, not enforced: this is the one bucket that allUsers may read.
  public_access_prevention = "inherited"
  labels                   = local.labels

  depends_on = [google_project_service.apis]
}

# Read access for everyone, on this bucket's objects only (the page and status.json).
resource "google_storage_bucket_iam_member" "status_public" {
  count = length(google_storage_bucket.status)

  bucket = google_storage_bucket.status[0].name
  role   = "roles/storage.objectViewer"
  member = "allUsers"
}

# The functions' runtime account writes (and overwrites) the two objects.
resource "google_storage_bucket_iam_member" "runtime_status" {
  count = length(google_storage_bucket.status)

  bucket = google_storage_bucket.status[0].name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.runtime.email}"
}
