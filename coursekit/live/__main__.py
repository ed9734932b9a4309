from coursekit.live.cli import main

raise SystemExit(main())
