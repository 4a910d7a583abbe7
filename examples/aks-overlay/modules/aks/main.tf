variable "name" { type = string }
variable "location" { type = string }
variable "subnet_id" { type = string }
variable "pod_cidr" { type = string }
variable "service_cidr" { type = string }
variable "system_max" { type = number }
variable "user_pools" {
  type = map(object({ vm_size = string, max_count = number, max_pods = number }))
}

resource "azurerm_kubernetes_cluster" "this" {
  name                = var.name
  location            = var.location
  resource_group_name = "rg-${var.name}"
  dns_prefix          = var.name
  kubernetes_version  = "1.31"

  default_node_pool {
    name                 = "system"
    vm_size              = "Standard_D4s_v5"
    vnet_subnet_id       = var.subnet_id
    auto_scaling_enabled = true
    min_count            = 3
    max_count            = var.system_max
  }

  identity {
    type = "SystemAssigned"
  }

  network_profile {
    network_plugin      = "azure"
    network_plugin_mode = "overlay"
    pod_cidr            = var.pod_cidr
    service_cidr        = var.service_cidr
    dns_service_ip      = cidrhost(var.service_cidr, 10)

    # Fixed SNAT ports per node: 64000 / 4000 = 16 nodes per outbound IP.
    load_balancer_profile {
      managed_outbound_ip_count = 2
      outbound_ports_allocated  = 4000
    }
  }
}

resource "azurerm_kubernetes_cluster_node_pool" "user" {
  for_each              = var.user_pools
  name                  = each.key
  kubernetes_cluster_id = azurerm_kubernetes_cluster.this.id
  vm_size               = each.value.vm_size
  vnet_subnet_id        = var.subnet_id
  auto_scaling_enabled  = true
  min_count             = 1
  max_count             = each.value.max_count
  max_pods              = each.value.max_pods
}

# The cluster identity joins its nodes and load balancers to a subnet it does not own.
resource "azurerm_role_assignment" "subnet" {
  scope                = var.subnet_id
  role_definition_name = "Network Contributor"
  principal_id         = azurerm_kubernetes_cluster.this.identity[0].principal_id
}
