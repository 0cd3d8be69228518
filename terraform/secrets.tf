# Secret containers only. Their values are added with
#   gcloud secrets versions add <secret_id> --data-file=-
# (docs/deploy.md), so no secret ever passes through Terraform state.
resource "google_secret_manager_secret" "this" {
  for_each = local.secrets

  project   = var.project_id
  secret_id = each.value.secret_id
  labels    = local.labels

  replication {
    auto {}
  }

  depends_on = [google_project_service.apis]
}
