# The watchdog: every check run writes custom.googleapis.com/binderwatch/check_runs
# (labels check, outcome). If a check stops writing it — function broken,
# Scheduler paused, credentials revoked — Cloud Monitoring emails directly,
# without going through binderwatch.
resource "google_monitoring_notification_channel" "watchdog" {
  project      = var.project_id
  display_name = "${var.name_prefix} watchdog"
  type         = "email"
  labels = {
    email_address = var.watchdog_email
  }
  user_labels = local.labels

  depends_on = [google_project_service.apis]
}

resource "google_monitoring_alert_policy" "heartbeat_absent" {
  project      = var.project_id
  display_name = "${var.name_prefix}: a check stopped running"
  combiner     = "OR"
  severity     = "CRITICAL"
  user_labels  = local.labels

  conditions {
    display_name = "No check_runs heartbeat for ${var.heartbeat_absence_seconds / 60} minutes"

    condition_absent {
      filter   = "resource.type = \"global\" AND metric.type = \"custom.googleapis.com/binderwatch/check_runs\""
      duration = "${var.heartbeat_absence_seconds}s"

      # The heartbeat is an INT64 GAUGE point of 1 per run on the global
      # resource (shared/telemetry/cloud-monitoring.ts). Counting per check
      # merges its outcome series: ok -> problem is not an absence.
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_COUNT"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["metric.label.check"]
      }

      trigger {
        count = 1
      }
    }
  }

  alert_strategy {
    auto_close = "1800s"
  }

  documentation {
    mime_type = "text/markdown"
    content   = <<-EOT
      A binderwatch check has written no heartbeat for ${var.heartbeat_absence_seconds / 60} minutes,
      so its alerts are not being evaluated. Look at, in this order:

      - `gcloud scheduler jobs describe ${var.name_prefix}-<check> --location=${var.region}` (paused? last attempt status?)
      - `gcloud functions logs read ${var.name_prefix}-<check> --region=${var.region} --gen2 --limit=50`
      - the runtime account `${google_service_account.runtime.email}` still holds roles/monitoring.metricWriter
    EOT
  }

  notification_channels = [google_monitoring_notification_channel.watchdog.id]
}
