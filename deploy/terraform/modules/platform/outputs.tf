output "api_iap_audience" {
  description = "The API's IAP JWT audience (/projects/NUMBER/global/backendServices/ID), set on the API as TRENDWATCH_IAP_AUDIENCE; null without an API."
  value       = one(module.api[*].iap_audience)
}

output "api_ip_address" {
  description = "The API load balancer's address (the api_domain's A record); null without an API."
  value       = one(module.api[*].ip_address)
}
