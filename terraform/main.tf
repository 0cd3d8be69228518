locals {
  # The state store is the bucket this module creates, whatever the file says;
  # each check's schedule and enabled flag are the ones deployed (var.checks wins),
  # so the function's own view (cron-aware lookbacks, alert timing) matches Scheduler.
  effective_config = merge(local.config, {
    checks = local.config_checks
    alerting = merge(try(local.config.alerting, {}), {
      state = { type = "gcs", bucket = google_storage_bucket.state.name, prefix = "state/" }
    })
    # The status page's bucket is the one this module creates (none without var.status_page).
    statusPage = merge(try(local.config.statusPage, {}), {
      for k, v in { bucket = one(google_storage_bucket.status[*].name) } : k => v if v != null
    })
  })

  # Plain environment; JSON is YAML, so BINDERWATCH_CONFIG is read by the same loader.
  environment = {
    for k, v in {
      BINDERWATCH_CONFIG        = jsonencode(local.effective_config)
      GOOGLE_CLOUD_PROJECT      = var.project_id
      BINDERWATCH_SLACK_CHANNEL = try(var.slack.channel, null)
      BINDERWATCH_EMAIL_FROM    = try(var.email.from, null)
      BINDERWATCH_EMAIL_TO      = try(join(",", var.email.to), null)
      BINDERWATCH_PAGERDUTY_URL = try(var.pagerduty.url, null)
    } : k => v if v != null
  }

  source_archive = coalesce(var.source_archive, "${path.module}/../dist/function-source.zip")

  labels = merge(var.labels, { app = "binderwatch" })

  apis = var.enable_apis ? toset([
    "analyticsdata.googleapis.com",
    "artifactregistry.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudfunctions.googleapis.com",
    "cloudscheduler.googleapis.com",
    "container.googleapis.com",
    "iam.googleapis.com",
    "monitoring.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
  ]) : toset([])
}

resource "google_project_service" "apis" {
  for_each = local.apis

  project = var.project_id
  service = each.key
  # Other workloads in the project may use the same APIs.
  disable_on_destroy = false
}
