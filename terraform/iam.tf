# Runtime identity of every function: read metrics and clusters, write the
# heartbeat, read its own secrets, read and write its own state bucket.
resource "google_service_account" "runtime" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-runtime"
  display_name = "binderwatch checks (runtime)"
  description  = "Runs the binderwatch functions. Add it as a Viewer on the GA4 property the traffic check reads."
}

# Identity Cloud Scheduler signs its OIDC tokens with; it can only invoke.
resource "google_service_account" "invoker" {
  project      = var.project_id
  account_id   = "${var.name_prefix}-invoker"
  display_name = "binderwatch checks (scheduler invoker)"
  description  = "Cloud Scheduler calls the binderwatch functions as this account."
}

resource "google_project_iam_member" "runtime" {
  for_each = toset([
    "roles/monitoring.viewer",       # Cloud Monitoring PromQL / time series reads
    "roles/monitoring.metricWriter", # the check_runs heartbeat and probe metrics
    "roles/container.clusterViewer", # GKE node pools and cluster endpoints
  ])

  project = var.project_id
  role    = each.key
  member  = "serviceAccount:${google_service_account.runtime.email}"
}

# One grant per secret, on that secret only: never project-wide secret access.
resource "google_secret_manager_secret_iam_member" "runtime" {
  for_each = google_secret_manager_secret.this

  project   = var.project_id
  secret_id = each.value.secret_id
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${google_service_account.runtime.email}"
}

resource "google_storage_bucket_iam_member" "runtime_state" {
  bucket = google_storage_bucket.state.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.runtime.email}"
}

# A gen2 function is served by the Cloud Run service of the same name, and
# invoking it takes roles/run.invoker on that service.
resource "google_cloud_run_v2_service_iam_member" "invoker" {
  for_each = local.functions

  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.check[each.key].name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.invoker.email}"
}
