"""Everything that talks to Asterisk: AMI (the only importer of panoramisk), FastAGI, config, process."""
