output "api_iap_audience" {
  description = "The API's IAP JWT audience; Terraform sets it on the API as TRENDWATCH_IAP_AUDIENCE."
  value       = module.platform.api_iap_audience
}

output "api_ip_address" {
  description = "Point api_domain's A record here."
  value       = module.platform.api_ip_address
}
