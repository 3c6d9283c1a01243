from cathnet_bedside.app import entry

entry()
