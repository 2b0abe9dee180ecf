"""`python -m hipthrust_cam` runs the command line."""

from hipthrust_cam.cli import main

raise SystemExit(main())
