# One job per deployed function (local.functions). Scheduler signs an OIDC token as the invoker
# account with the function URL as audience; Cloud Run checks both.
resource "google_cloud_scheduler_job" "check" {
  for_each = local.functions

  project     = var.project_id
  region      = var.region
  name        = each.value.function_name
  description = "Runs the binderwatch ${each.key} function."
  schedule    = each.value.schedule
  # The config file's schedules are UTC (shared/cron.ts).
  time_zone = "Etc/UTC"
  # Wait for the whole run: a deadline shorter than the function's timeout
  # would record healthy slow runs as failures.
  attempt_deadline = "${each.value.timeout_seconds + 30}s"

  # The next scheduled run is the retry; the alert lifecycle counts runs.
  retry_config {
    retry_count = 0
  }

  http_target {
    http_method = "POST"
    uri         = google_cloudfunctions2_function.check[each.key].service_config[0].uri
    body        = base64encode(jsonencode({ check = each.key, trigger = "cloud-scheduler" }))
    headers = {
      "Content-Type" = "application/json"
    }

    oidc_token {
      service_account_email = google_service_account.invoker.email
      audience              = google_cloudfunctions2_function.check[each.key].service_config[0].uri
    }
  }

  depends_on = [google_cloud_run_v2_service_iam_member.invoker]
}
