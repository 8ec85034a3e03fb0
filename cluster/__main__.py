from cluster.main import main

raise SystemExit(main())
