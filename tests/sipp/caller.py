"""Writes a SIPp caller scenario that answers prompts with RFC 2833 DTMF at set moments.

SIPp loads pcap files when it parses a scenario, so digits cannot be a run-time variable: this renders one
scenario per digit plan into a folder. sip-tester's DTMF pcaps all carry the same RTP sequence numbers and
timestamp, and Asterisk drops a second event that repeats them as a duplicate, so each press gets its own copy
with shifted sequence numbers and timestamp. Used by the tests and by hand (README):

    python3 tests/sipp/caller.py --out /tmp/callcenter-sipp --press 4:0 --hold 15
    cd /tmp/callcenter-sipp && sipp 127.0.0.1:5060 -sf caller.xml -s 4000 -i 127.0.0.2 -m 1

``--press SECONDS:DIGITS`` (repeatable): after SECONDS more seconds, send each digit (0.5 s apart).
``--hold SECONDS``: stay on the line that long after the last digit, then hang up (BYE).
The caller sends G.711 A-law audio (sip-tester's g711a.pcap) from the start.
"""

from __future__ import annotations

import argparse
import struct
from pathlib import Path

SIP_TESTER = Path("/usr/share/sip-tester")

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


def shifted_dtmf_pcap(digit: str, index: int, target: Path) -> None:
    """Copy sip-tester's dtmf_2833_<digit>.pcap with RTP seq + 1000*index and timestamp + 80000*index."""
    data = bytearray((SIP_TESTER / f"dtmf_2833_{PCAP_NAMES.get(digit, digit)}.pcap").read_bytes())
    endian = "<" if data[:4] == b"\xd4\xc3\xb2\xa1" else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    l2 = {1: 14, 113: 16}.get(linktype, 0)
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        pkt = off + 16
        ip = pkt + l2
        udp = ip + (data[ip] & 0x0F) * 4
        rtp = udp + 8
        seq, ts = struct.unpack("!HI", data[rtp + 2:rtp + 8])
        data[rtp + 2:rtp + 8] = struct.pack("!HI", (seq + 1000 * index) & 0xFFFF, (ts + 80000 * index) & 0xFFFFFFFF)
        data[udp + 6:udp + 8] = b"\x00\x00"  # UDP checksum: none (valid for IPv4)
        off = pkt + incl
    target.write_bytes(bytes(data))


def render(presses: list[tuple[float, str]], hold: float, out: Path, caller: str = "13800138000") -> Path:
    """Write ``out/caller.xml`` (+ ``out/dtmf/*.pcap``, ``out/pcap`` → sip-tester); return the scenario path.
    ``caller`` is the calling number (From / Contact user)."""
    if not caller.isdigit():
        raise ValueError(f"caller number must be digits: {caller!r}")
    out.mkdir(parents=True, exist_ok=True)
    (out / "dtmf").mkdir(exist_ok=True)
    if not (out / "pcap").exists():
        (out / "pcap").symlink_to(SIP_TESTER)
    body = []
    n = 0
    for wait, digits in presses:
        body.append(f'  <pause milliseconds="{int(wait * 1000)}"/>\n')
        for i, d in enumerate(digits):
            if not (d.isdigit() or d in PCAP_NAMES):
                raise ValueError(f"not a DTMF digit: {d!r}")
            if i:
                body.append('  <pause milliseconds="500"/>\n')
            n += 1
            name = f"dtmf/press{n}_{PCAP_NAMES.get(d, d)}.pcap"
            shifted_dtmf_pcap(d, n, out / name)
            body.append(f'  <nop><action><exec play_pcap_audio="{name}"/></action></nop>\n')
    body.append(f'  <pause milliseconds="{int(hold * 1000)}"/>\n')
    scenario = out / "caller.xml"
    scenario.write_text((HEAD + "".join(body) + TAIL).replace("13800138000", caller))
    return scenario


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, required=True, help="folder to write caller.xml (+ pcaps) into")
    p.add_argument("--press", action="append", default=[], metavar="SECONDS:DIGITS")
    p.add_argument("--hold", type=float, default=10.0)
    p.add_argument("--caller", default="13800138000", help="the calling number")
    a = p.parse_args(argv)
    presses = []
    for spec in a.press:
        wait, _, digits = spec.partition(":")
        presses.append((float(wait), digits))
    print(render(presses, a.hold, a.out, a.caller))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
