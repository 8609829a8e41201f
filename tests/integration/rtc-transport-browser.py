#!/usr/bin/env python3
"""Signalling for rtc-transport-browser.sh: serves the test page, hands the browser's offer
to rtc-browser-peer (our WebRtcTransport), returns its answer, and collects both sides'
verdicts. Exit 0 when the browser saw its data channel message echoed and the peer got
50 RTP packets. Runs inside the test's network namespace; bounded by --timeout."""
import argparse
import http.server
import subprocess
import sys
import threading

PAGE = """<!doctype html><html><body><script>
const report = (what) => fetch('/report?' + encodeURIComponent(what));
(async () => {
  try {
    const pc = new RTCPeerConnection({bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require'});
    const stream = await navigator.mediaDevices.getUserMedia({audio: true});
    stream.getTracks().forEach((t) => pc.addTrack(t, stream));
    const dc = pc.createDataChannel('status');
    dc.onopen = () => dc.send(JSON.stringify({type: 'speaking', payload: {}}));
    dc.onmessage = (e) => report('echo ' + e.data);
    pc.onconnectionstatechange = () => report('state ' + pc.connectionState);
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((r) => { if (pc.iceGatheringState === 'complete') r();
      pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r(); });
    const answer = await (await fetch('/offer', {method: 'POST', body: pc.localDescription.sdp})).text();
    await pc.setRemoteDescription({type: 'answer', sdp: answer});
  } catch (e) { report('error ' + e); }
})();
</script></body></html>"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--address', required=True)
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--peer', required=True)
    parser.add_argument('--lite', action='store_true')
    parser.add_argument('--timeout', type=float, default=40)
    args = parser.parse_args()

    state = {'echo': None, 'peer': None, 'reports': []}
    done = threading.Event()
    peer_args = [args.peer, '--address', args.address, '--timeout', str(args.timeout - 5)]
    if args.lite:
        peer_args.append('--lite')

    def read_peer(proc):
        for line in proc.stdout:
            line = line.rstrip('\n')
            print('peer: ' + line, flush=True)
            if line.startswith('RESULT'):
                state['peer'] = line
                done.set()
        done.set()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def reply(self, body, ctype='text/plain'):
            data = body.encode()
            self.send_response(200)
            self.send_header('Content-Type', ctype)
            self.send_header('Content-Length', str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path.startswith('/report?'):
                from urllib.parse import unquote
                what = unquote(self.path[len('/report?'):])
                print('browser: ' + what, flush=True)
                state['reports'].append(what)
                if what.startswith('echo '):
                    state['echo'] = what
                if what.startswith('error') or what == 'state failed':
                    done.set()
                self.reply('ok')
            else:
                self.reply(PAGE, 'text/html')

        def do_POST(self):
            offer = self.rfile.read(int(self.headers['Content-Length'])).decode()
            proc = subprocess.Popen(peer_args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            proc.stdin.write(offer.replace('\r\n', '\n') + 'END\n')
            proc.stdin.flush()
            answer = []
            for line in proc.stdout:
                if line.rstrip('\n') == 'END':
                    break
                answer.append(line.rstrip('\n'))
            state['proc'] = proc
            threading.Thread(target=read_peer, args=(proc,), daemon=True).start()
            self.reply('\r\n'.join(answer) + '\r\n', 'application/sdp')

    server = http.server.ThreadingHTTPServer((args.address, args.port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print('listening', flush=True)
    done.wait(args.timeout)
    # The browser's echo may trail the peer's RESULT line a little.
    for _ in range(50):
        if state['echo'] or any(r.startswith('error') for r in state['reports']):
            break
        threading.Event().wait(0.1)
    proc = state.get('proc')
    if proc:
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    ok = bool(state['peer']) and bool(state['echo']) and proc is not None and proc.returncode == 0
    print('verdict: %s peer=%s echo=%s' % ('ok' if ok else 'FAILED', state['peer'], state['echo']), flush=True)
    server.shutdown()
    sys.exit(0 if ok else 1)


if __name__ == '__main__':
    main()
