"""Writes a SIPp caller scenario that answers prompts with RFC 2833 DTMF at set moments.

SIPp loads pcap files when it parses a scenario, so digits cannot be a run-time variable: this renders one
scenario per digit plan. Used by the tests and by hand (README):

    python3 tests/sipp/caller.py --press 4:0 --hold 15 > /tmp/caller.xml
    sipp 127.0.0.1:5060 -sf /tmp/caller.xml -s 4000 -i 127.0.0.2 -m 1   # run where pcap/ links to sip-tester

``--press SECONDS:DIGITS`` (repeatable): after SECONDS more seconds, send each digit (0.5 s apart).
``--hold SECONDS``: stay on the line that long after the last digit, then hang up (BYE).
The caller sends G.711 A-law audio (sip-tester's g711a.pcap) from the start.
"""

from __future__ import annotations

import argparse
import sys

HEAD = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="callcenter caller with DTMF">
  <send retrans="500">
    <![CDATA[

      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: caller <sip:13800138000@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: sip:13800138000@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 8 101
      a=rtpmap:8 PCMA/8000
      a=rtpmap:101 telephone-event/8000
      a=fmtp:101 0-15

    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" optional="true"/>
  <recv response="200" rtd="true"/>
  <send>
    <![CDATA[

      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: caller <sip:13800138000@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Contact: sip:13800138000@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <nop><action><exec play_pcap_audio="pcap/g711a.pcap"/></action></nop>
"""

TAIL = """  <send retrans="500">
    <![CDATA[

      BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: caller <sip:13800138000@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Contact: sip:13800138000@[local_ip]:[local_port]
      Max-Forwards: 70
      Content-Length: 0

    ]]>
  </send>
  <recv response="200" crlf="true"/>
</scenario>
"""

PCAP_NAMES = {"*": "star", "#": "pound"}


def render(presses: list[tuple[float, str]], hold: float) -> str:
    body = []
    for wait, digits in presses:
        body.append(f'  <pause milliseconds="{int(wait * 1000)}"/>\n')
        for i, d in enumerate(digits):
            if i:
                body.append('  <pause milliseconds="500"/>\n')
            name = PCAP_NAMES.get(d, d)
            if not (d.isdigit() or d in PCAP_NAMES):
                raise ValueError(f"not a DTMF digit: {d!r}")
            body.append(f'  <nop><action><exec play_pcap_audio="pcap/dtmf_2833_{name}.pcap"/></action></nop>\n')
    body.append(f'  <pause milliseconds="{int(hold * 1000)}"/>\n')
    return HEAD + "".join(body) + TAIL


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--press", action="append", default=[], metavar="SECONDS:DIGITS")
    p.add_argument("--hold", type=float, default=10.0)
    a = p.parse_args(argv)
    presses = []
    for spec in a.press:
        wait, _, digits = spec.partition(":")
        presses.append((float(wait), digits))
    sys.stdout.write(render(presses, a.hold))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
