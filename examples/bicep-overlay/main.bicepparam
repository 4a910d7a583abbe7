using './main.bicep'

param clusterName = 'aks-prod'
param podCidr = '10.128.0.0/9'
