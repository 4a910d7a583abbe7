# A small but realistic AKS landing zone: a VNet with a node subnet, a peered hub and an
# on-premises network, and a cluster module. It contains several planning mistakes on purpose.

variable "location" {
  type    = string
  default = "westeurope"
}

variable "address_space" {
  type    = string
  default = "10.0.0.0/16"
}

variable "pod_cidr" {
  type = string
}

variable "service_cidr" {
  type    = string
  default = "10.0.0.0/16"
}

locals {
  node_prefix = cidrsubnet(var.address_space, 8, 1) # 10.0.1.0/24
}

resource "azurerm_resource_group" "net" {
  name     = "rg-aks-network"
  location = var.location
}

resource "azurerm_virtual_network" "spoke" {
  name                = "vnet-aks-spoke"
  location            = var.location
  resource_group_name = azurerm_resource_group.net.name
  address_space       = [var.address_space]
}

resource "azurerm_subnet" "nodes" {
  name                 = "snet-aks-nodes"
  resource_group_name  = azurerm_resource_group.net.name
  virtual_network_name = azurerm_virtual_network.spoke.name
  address_prefixes     = [local.node_prefix]
}

resource "azurerm_virtual_network" "hub" {
  name                = "vnet-hub"
  location            = var.location
  resource_group_name = azurerm_resource_group.net.name
  address_space       = ["10.100.0.0/16"]
}

resource "azurerm_virtual_network_peering" "spoke_to_hub" {
  name                      = "spoke-to-hub"
  resource_group_name       = azurerm_resource_group.net.name
  virtual_network_name      = azurerm_virtual_network.spoke.name
  remote_virtual_network_id = azurerm_virtual_network.hub.id
}

resource "azurerm_local_network_gateway" "onprem" {
  name                = "lgw-onprem"
  location            = var.location
  resource_group_name = azurerm_resource_group.net.name
  gateway_address     = "203.0.113.10"
  address_space       = ["192.168.0.0/16"]
}

module "aks" {
  source         = "./modules/aks"
  name           = "aks-prod"
  location       = var.location
  subnet_id      = azurerm_subnet.nodes.id
  pod_cidr       = var.pod_cidr
  service_cidr   = var.service_cidr
  system_max     = 30
  user_pools = {
    apps  = { vm_size = "Standard_D4s_v5", max_count = 200, max_pods = 250 }
    batch = { vm_size = "Standard_DC4s_v2", max_count = 20, max_pods = 300 }
  }
}
