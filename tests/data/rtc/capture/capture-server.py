#!/usr/bin/env python3
"""Serves PAGE (offer.html or verify.html) on loopback and stores each POSTed SDP as <name>.sdp
in the output directory; with TOOL (rtc-sdp-tool), /answer and /suboffer return talk-sfu's
answer to / subscriber offer for the POSTed offer. Exits after /done (or the timeout).
Usage: capture-server.py PORT OUTDIR TIMEOUT [PAGE [TOOL]]"""
import http.server, os, subprocess, sys, tempfile, threading, urllib.parse

PORT, OUT = int(sys.argv[1]), sys.argv[2]
TIMEOUT = float(sys.argv[3]) if len(sys.argv) > 3 else 60
PAGE = sys.argv[4] if len(sys.argv) > 4 else 'offer.html'
TOOL = sys.argv[5] if len(sys.argv) > 5 else None
HERE = os.path.dirname(os.path.abspath(__file__))
RESULT = {'status': 'timeout'}

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(os.path.join(HERE, PAGE), 'rb') as f:
            body = f.read()
        self.send_response(200)
        self.send_header('Content-Type', 'text/html')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        url = urllib.parse.urlparse(self.path)
        body = self.rfile.read(int(self.headers.get('Content-Length', 0)))
        if url.path in ('/answer', '/suboffer') and TOOL:
            with tempfile.NamedTemporaryFile(suffix='.sdp') as f:
                f.write(body)
                f.flush()
                mode = 'answer' if url.path == '/answer' else 'subscriber-offer'
                r = subprocess.run([TOOL, mode, f.name], capture_output=True)
            self.send_response(200 if r.returncode == 0 else 500)
            self.end_headers()
            self.wfile.write(r.stdout if r.returncode == 0 else r.stderr)
            return
        if url.path == '/sdp':
            name = urllib.parse.parse_qs(url.query)['name'][0]
            if not name.replace('-', '').isalnum():
                self.send_error(400)
                return
            with open(os.path.join(OUT, name + '.sdp'), 'wb') as f:
                f.write(body)
        self.send_response(204)
        self.end_headers()
        if url.path == '/done':
            RESULT['status'] = body.decode()
            print('done:', RESULT['status'], flush=True)
            threading.Thread(target=self.server.shutdown).start()

    def log_message(self, *args):
        pass

server = http.server.ThreadingHTTPServer(('127.0.0.1', PORT), Handler)
threading.Timer(TIMEOUT, server.shutdown).start()
server.serve_forever()
sys.exit(0 if RESULT['status'] == 'ok' else 1)
