terraform {
  # optional() object attributes with defaults need Terraform 1.3.
  required_version = ">= 1.3"

  required_providers {
    google = {
      source = "hashicorp/google"
      # Every resource and argument used here exists in 6.x and 7.x.
      version = ">= 6.0, < 8.0"
    }
  }
}
