output "function_urls" {
  description = "HTTPS URL of each check's function, by entry point. Callable only with an OIDC token of the invoker account (and, with internal ingress, only from inside the project)."
  value       = { for name, f in google_cloudfunctions2_function.check : name => f.service_config[0].uri }
}

output "function_names" {
  description = "Function name of each check, by entry point (for `gcloud functions logs read NAME --gen2`)."
  value       = { for name, f in google_cloudfunctions2_function.check : name => f.name }
}

output "scheduler_job_names" {
  description = "Cloud Scheduler job of each check, by entry point (for `gcloud scheduler jobs run NAME --location=REGION`)."
  value       = { for name, j in google_cloud_scheduler_job.check : name => j.name }
}

output "schedules" {
  description = "Cron schedule (UTC) of each enabled check, by entry point, after overrides."
  value       = { for name, c in local.enabled_checks : name => c.schedule }
}

output "runtime_service_account_email" {
  description = "Identity the functions run as. Add it as a Viewer on the GA4 property, and bind it to read pods and nodes in each watched cluster (docs/deploy.md)."
  value       = google_service_account.runtime.email
}

output "invoker_service_account_email" {
  description = "Identity Cloud Scheduler signs OIDC tokens with; it holds roles/run.invoker on each function and nothing else."
  value       = google_service_account.invoker.email
}

output "state_bucket" {
  description = "Bucket holding the alert state (alerting.state in the deployed config points at it)."
  value       = google_storage_bucket.state.name
}

output "source_bucket" {
  description = "Bucket holding the function source archives."
  value       = google_storage_bucket.source.name
}

output "source_object" {
  description = "Object name of the deployed source archive (changes with every new build)."
  value       = google_storage_bucket_object.source.name
}

output "secret_ids" {
  description = "Secret Manager secret IDs to fill with `gcloud secrets versions add ID --data-file=-`, by name (slack-webhook-url, slack-bot-token, smtp-url, pagerduty-routing-key, webhook-url)."
  value       = { for name, s in google_secret_manager_secret.this : name => s.secret_id }
}

output "watchdog_alert_policy" {
  description = "Resource name of the alert policy that fires when a check's heartbeat is absent."
  value       = google_monitoring_alert_policy.heartbeat_absent.name
}

output "status_page_url" {
  description = "Public URL of the status page (status.json next to it), or null without var.status_page."
  value       = one([for b in google_storage_bucket.status : "https://storage.googleapis.com/${b.name}/status.html"])
}
