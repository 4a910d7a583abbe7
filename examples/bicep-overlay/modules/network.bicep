param vnetName string
param addressPrefix string

resource vnet 'Microsoft.Network/virtualNetworks@2023-09-01' = {
  name: vnetName
  location: resourceGroup().location
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
  }

  resource nodes 'subnets' = {
    name: 'nodes'
    properties: {
      addressPrefix: cidrSubnet(addressPrefix, 16, 240)
    }
  }
}

output nodeSubnetId string = vnet::nodes.id
