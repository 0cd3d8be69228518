# One HTTP function per enabled check (and the status page's, when asked for), all built from the same archive; the
# archive's index.js loads only the bundle of the function's entry point.
resource "google_cloudfunctions2_function" "check" {
  for_each = local.functions

  project     = var.project_id
  location    = var.region
  name        = each.value.function_name
  description = "binderwatch ${each.key}, run by Cloud Scheduler (${each.value.schedule} UTC)"
  labels      = merge(local.labels, { check = each.value.slug })

  build_config {
    runtime         = var.runtime
    entry_point     = each.key
    service_account = var.build_service_account

    source {
      storage_source {
        bucket = google_storage_bucket.source.name
        object = google_storage_bucket_object.source.name
      }
    }
  }

  service_config {
    available_memory = each.value.memory
    timeout_seconds  = each.value.timeout_seconds
    # One run at a time: a run that overlaps the previous one (a slow launch
    # probe) is refused and Scheduler records it, instead of doubling the load.
    min_instance_count               = 0
    max_instance_count               = 1
    max_instance_request_concurrency = 1
    ingress_settings                 = var.ingress_settings
    all_traffic_on_latest_revision   = true
    service_account_email            = google_service_account.runtime.email
    environment_variables            = local.environment

    dynamic "secret_environment_variables" {
      for_each = local.secrets
      content {
        key        = secret_environment_variables.value.env
        project_id = var.project_id
        secret     = google_secret_manager_secret.this[secret_environment_variables.key].secret_id
        # Read when an instance starts; a rotated value reaches new instances.
        version = "latest"
      }
    }
  }

  depends_on = [
    google_project_service.apis,
    google_secret_manager_secret_iam_member.runtime,
    google_storage_bucket_iam_member.runtime_state,
    google_storage_bucket_iam_member.runtime_status,
  ]
}
