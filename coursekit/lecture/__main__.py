from coursekit.lecture.cli import main

raise SystemExit(main())
