# The Node.js line rktlet runs on, sourced (POSIX sh) by bin/rktlet, the set-up, test and bench
# scripts: Node.js 24 LTS ('Krypton', supported until 2028-04-30). scripts/setup-host.sh installs
# this exact build and npm into RKTLET_NODE_DIR; sourcing this file puts them first on PATH when
# they are there.
RKTLET_NODE_VERSION=24.22.3
RKTLET_NPM_VERSION=11.19.1  # the npm that Node.js 24.22.3 ships with
RKTLET_NODE_DIR=/opt/rktlet/node-v$RKTLET_NODE_VERSION
if [ -x "$RKTLET_NODE_DIR/bin/node" ]; then
  case ":$PATH:" in
    *":$RKTLET_NODE_DIR/bin:"*) ;;
    *) PATH="$RKTLET_NODE_DIR/bin:$PATH"; export PATH ;;
  esac
fi
