"""callcenter: an Asterisk-integrated call-centre (AMI/FastAGI bridge, ACD, agent desktop)."""

__version__ = "0.1.0"
