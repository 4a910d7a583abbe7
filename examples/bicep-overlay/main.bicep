targetScope = 'resourceGroup'

@description('Pod CIDR for overlay')
param podCidr string = '10.244.0.0/16'
param location string = resourceGroup().location
param clusterName string

var vnetName = 'vnet-${clusterName}'

module net './modules/network.bicep' = {
  name: 'network'
  params: {
    vnetName: vnetName
    addressPrefix: '10.0.0.0/8'
  }
}

resource aks 'Microsoft.ContainerService/managedClusters@2024-02-01' = {
  name: clusterName
  location: location
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    agentPoolProfiles: [
      {
        name: 'system'
        mode: 'System'
        count: 3
        vmSize: 'Standard_D4s_v5'
        vnetSubnetID: net.outputs.nodeSubnetId
      }
    ]
    networkProfile: {
      networkPlugin: 'azure'
      networkPluginMode: 'overlay'
      podCidr: podCidr
      serviceCidr: '10.0.0.0/16'
      dnsServiceIP: '10.0.0.10'
    }
  }
}

// The cluster needs Network Contributor on its node subnet's VNet.
resource aksNetwork 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid('aks-network')
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '4d97b98b-1d4f-4787-a291-c67834d212e7')
    principalId: aks.identity.principalId
    principalType: 'ServicePrincipal'
  }
}
