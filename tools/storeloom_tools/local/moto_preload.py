"""What the moto forkserver imports once, so each local stack's moto server forks warm (moto_process).

moto imports a service's modules on its first request; the Step Functions runner (its ASL parser) alone
takes over a second. These are the services template.yaml provisions and the handlers call (SERVICES, by
moto's names for them, which the zygote builds its WSGI app for). Importing is all this module does.
"""

# ruff: noqa: F401
from __future__ import annotations

import moto.apigateway.models
import moto.apigatewayv2.responses
import moto.apigatewayv2.urls
import moto.awslambda.responses
import moto.awslambda.urls
import moto.awslambda_simple.models
import moto.awslambda_simple.responses
import moto.cloudwatch.responses
import moto.cloudwatch.urls
import moto.dynamodb.responses
import moto.dynamodb.urls
import moto.events.responses
import moto.events.urls
import moto.iam.responses
import moto.iam.urls
import moto.kms.responses
import moto.kms.urls
import moto.logs.responses
import moto.logs.urls
import moto.moto_api._internal.urls
import moto.s3.responses
import moto.s3.urls
import moto.scheduler.responses
import moto.scheduler.urls
import moto.secretsmanager.responses
import moto.secretsmanager.urls
import moto.sesv2.responses
import moto.sesv2.urls
import moto.sqs.responses
import moto.sqs.urls
import moto.stepfunctions.parser.models
import moto.stepfunctions.responses
import moto.stepfunctions.urls
import moto.sts.responses
import moto.sts.urls
from moto.moto_server import werkzeug_app
from werkzeug import serving

from storeloom_tools.local import lambda_seam, moto_hot_paths, moto_patches, seam_bridge

SERVICES = (
    "apigatewayv2",
    "cloudwatch",
    "dynamodb",
    "events",
    "iam",
    "kms",
    "lambda",
    "logs",
    "moto_api",
    "s3",
    "scheduler",
    "secretsmanager",
    "sesv2",
    "sqs",
    "stepfunctions",
    "sts",
)
