# binderwatch for a mybinder.org-like federation: two BinderHubs probed with
# three repositories, one GKE cluster with a user pool and a core pool, alerts
# to Slack (incoming webhook) and email.
terraform {
  required_version = ">= 1.3"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.0, < 8.0"
    }
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
}

module "binderwatch" {
  source = "../.."

  project_id     = var.project_id
  region         = var.region
  config_yaml    = file("${path.module}/binderwatch.yaml")
  source_archive = "${path.module}/../../../dist/function-source.zip"

  # Six launches (two hubs x three repos) run four at a time, so a slow round
  # can take two launch deadlines; give the probe 20 minutes.
  checks = {
    launchProbe = { timeout_seconds = 1200 }
  }

  slack = {
    webhook = true
  }
  email = {
    from = var.email_from
    to   = var.email_to
  }
  watchdog_email = var.watchdog_email

  labels = {
    team = "mybinder-ops"
  }
}

variable "project_id" {
  description = "Project of the GKE cluster; binderwatch is deployed next to it."
  type        = string
}

variable "region" {
  description = "Region for the functions and Scheduler jobs."
  type        = string
  default     = "us-central1"
}

variable "email_from" {
  description = "Sender address of binderwatch's alert emails."
  type        = string
}

variable "email_to" {
  description = "Recipients of binderwatch's critical alert emails."
  type        = list(string)
}

variable "watchdog_email" {
  description = "Who hears when binderwatch itself stops running."
  type        = string
}

output "runtime_service_account_email" {
  description = "Add as Viewer on the GA4 property; bind to read pods and nodes in the cluster."
  value       = module.binderwatch.runtime_service_account_email
}

output "secret_ids" {
  description = "Secrets to fill before the functions can deliver alerts."
  value       = module.binderwatch.secret_ids
}

output "scheduler_job_names" {
  description = "Scheduler jobs, for `gcloud scheduler jobs run`."
  value       = module.binderwatch.scheduler_job_names
}
